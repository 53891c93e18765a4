// A minimal webhook receiver (Node standard library only), for trying Continuum locally.
//   WEBHOOK_SECRET=whs_... PORT=4000 node examples/receiver.js
'use strict';
const http = require('node:http');
const { verifyWebhookSignature } = require('./verify_webhook');

const secret = process.env.WEBHOOK_SECRET;
const port = Number(process.env.PORT || 4000);
const seen = new Set(); // deduplicate by delivery id: delivery is at-least-once

http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const valid = verifyWebhookSignature({
      payload: body,
      signature: req.headers['x-continuum-signature'],
      timestamp: req.headers['x-continuum-timestamp'],
      secret,
    });
    const delivery = req.headers['x-continuum-delivery'];
    console.log(`${req.headers['x-continuum-event']} ${delivery} signature ${valid ? 'valid' : 'INVALID'}${seen.has(delivery) ? ' (duplicate)' : ''}`);
    console.log(body.toString());
    if (!valid) {
      res.writeHead(401, { 'content-type': 'application/json' });
      return res.end('{"error":"invalid signature"}');
    }
    seen.add(delivery);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"received"}');
  });
}).listen(port, '127.0.0.1', () => console.log(`receiver listening on http://127.0.0.1:${port}/webhooks`));
