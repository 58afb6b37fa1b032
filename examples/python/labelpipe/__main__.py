"""python -m labelpipe: run the webhook consumer.

The secret comes from LABEL_STUDIO_WEBHOOK_SECRET; set the same value as the
webhook's X-Webhook-Secret header in Label Studio.
"""

import argparse
import os
import queue

from .consumer import LabelCache, WebhookConsumer
from .wsgi import PATH, serve


def main() -> None:
    parser = argparse.ArgumentParser(prog="labelpipe")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--retrain-every", type=int, default=100)
    args = parser.parse_args()
    secret = os.environ.get("LABEL_STUDIO_WEBHOOK_SECRET")
    if not secret:
        parser.error("set LABEL_STUDIO_WEBHOOK_SECRET")
    jobs: queue.Queue = queue.Queue()
    consumer = WebhookConsumer(secret, args.retrain_every, jobs, LabelCache())
    server, url = serve(consumer, port=args.port)
    print(f"labelpipe listening on {url}{PATH}", flush=True)
    try:
        while True:
            job = jobs.get()
            print(
                f"would retrain project {job.project_id} on annotations {list(job.annotation_ids)}",
                flush=True,
            )
    except KeyboardInterrupt:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
