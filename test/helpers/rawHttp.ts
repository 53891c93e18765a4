import { request } from 'node:http';
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: any;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * One request exactly as given (any method, path, header and body bytes): fetch refuses
 * TRACE, normalises paths and can't send bytes that aren't UTF-8. A header given as an array
 * is sent once per value.
 */
export function rawRequest(baseUrl: string, method: string, path: string, headers: Record<string, string | string[]> = {}, body?: string | Buffer): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parse(text) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Bytes written straight to the socket, for requests Node's client would refuse to send. */
export function rawSocketRequest(baseUrl: string, bytes: string): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.end(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString();
      const [head, ...rest] = text.split('\r\n\r\n');
      const headers = Object.fromEntries(head.split('\r\n').slice(1).map((line) => {
        const at = line.indexOf(':');
        return [line.slice(0, at).toLowerCase(), line.slice(at + 1).trim()];
      }));
      resolve({ status: Number(head.split(' ')[1]), headers, text, body: parse(rest.join('\r\n\r\n')) });
    });
  });
}
