import { render } from 'preact';
import { App } from './app';
import { readPageConfig } from './config';
import { adoptPortalLink } from './session';

adoptPortalLink();
const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App config={readPageConfig()} />, root);
}
