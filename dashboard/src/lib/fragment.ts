/**
 * A portal link is `<origin>/#portal=<token>`: the token travels in the fragment, which
 * browsers never send to a server. Returns the token and the fragment without it.
 */
export function takePortalToken(hash: string): { token: string | null; rest: string } {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const token = params.get('portal');
  params.delete('portal');
  const rest = params.toString();
  return { token: token && token.trim() ? token.trim() : null, rest: rest ? `#${rest}` : '' };
}
