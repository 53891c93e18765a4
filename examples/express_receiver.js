// A Continuum webhook receiver with Express (npm install express).
//   WEBHOOK_SECRET=whs_... node express_receiver.js
'use strict';
const express = require('express');
const { verifyWebhookSignature } = require('./verify_webhook');

const app = express();
const processed = new Set(); // delivery is at-least-once: deduplicate on X-Continuum-Delivery

// express.raw keeps the exact bytes that were signed; parse JSON only after verifying.
app.post('/webhooks/continuum', express.raw({ type: 'application/json', limit: '256kb' }), (req, res) => {
  const valid = verifyWebhookSignature({
    payload: req.body,
    signature: req.get('X-Continuum-Signature'),
    timestamp: req.get('X-Continuum-Timestamp'),
    secret: process.env.WEBHOOK_SECRET,
    maxAge: 300,
  });
  if (!valid) return res.status(401).json({ error: 'invalid signature' });

  const deliveryId = req.get('X-Continuum-Delivery');
  if (processed.has(deliveryId)) return res.status(200).json({ status: 'already_processed' });
  const event = JSON.parse(req.body.toString('utf8'));
  if (event.event === 'memory.created') console.log(`new memory: ${event.data.memory_id}`);
  processed.add(deliveryId);
  res.status(200).json({ status: 'received' }); // answer fast; do slow work asynchronously
});

app.listen(Number(process.env.PORT || 4000), () => console.log('listening'));
