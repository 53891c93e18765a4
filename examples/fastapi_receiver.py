"""A Continuum webhook receiver with FastAPI (pip install fastapi uvicorn).

    WEBHOOK_SECRET=whs_... uvicorn fastapi_receiver:app --port 4000
"""
import json
import os

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from verify_webhook import verify_webhook_signature

app = FastAPI()
processed = set()  # delivery is at-least-once: deduplicate on X-Continuum-Delivery


@app.post("/webhooks/continuum")
async def handle_webhook(request: Request):
    body = await request.body()  # the exact signed bytes
    if not verify_webhook_signature(
        payload=body,
        signature=request.headers.get("X-Continuum-Signature"),
        timestamp=request.headers.get("X-Continuum-Timestamp"),
        secret=os.environ["WEBHOOK_SECRET"],
        max_age=300,
    ):
        return JSONResponse({"error": "Invalid signature"}, status_code=401)

    delivery_id = request.headers.get("X-Continuum-Delivery")
    if delivery_id in processed:
        return {"status": "already_processed"}
    event = json.loads(body)
    if event["event"] == "memory.created":
        print(f"New memory: {event['data']['memory_id']}")
    processed.add(delivery_id)
    return {"status": "received"}
