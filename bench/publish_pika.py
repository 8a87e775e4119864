#!/usr/bin/env python3
"""The pika row of bench/publish: what a Python shop writes.

A BlockingConnection with confirm_delivery(): every basic_publish waits for its own
confirm before returning (pika's blocking API has no pipelined confirms), persistent
messages into a fresh durable queue that the run declares, purges and deletes.

Usage: publish_pika.py --url URL --count N --size BYTES --queue Q
Prints: rate=<msgs/s> count=<n> seconds=<s> peak_rss_kb=<KiB>
Exit codes: 0 every message confirmed, 1 failure (nack, unroutable, broker error), 64 usage.
"""
import argparse
import resource
import sys
import time
import urllib.parse

import pika


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="amqp://guest:guest@127.0.0.1:5673/")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--queue", default="changebus.bench.publish.pika")
    try:
        args = parser.parse_args()
    except SystemExit as exit_:
        sys.exit(0 if exit_.code == 0 else 64)
    if args.count < 1 or args.size < 0:
        print("publish_pika: --count wants >= 1 and --size >= 0", file=sys.stderr)
        sys.exit(64)

    # pika reads an empty URL path as the vhost "" (the AMQP URI spec); the Swift module
    # and the C row use the default vhost "/" then, so this does too.
    parts = urllib.parse.urlsplit(args.url)
    if parts.path in ("", "/"):
        parts = parts._replace(path="/%2F")
    params = pika.URLParameters(urllib.parse.urlunsplit(parts))
    connection = pika.BlockingConnection(params)
    channel = connection.channel()
    channel.queue_declare(queue=args.queue, durable=True)
    channel.queue_purge(queue=args.queue)
    channel.confirm_delivery()

    body = b"x" * args.size
    properties = pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent)
    start = time.monotonic()
    try:
        for _ in range(args.count):
            # Raises UnroutableError / NackError when the broker does not ack this message.
            channel.basic_publish(exchange="", routing_key=args.queue, body=body,
                                  properties=properties, mandatory=False)
    except (pika.exceptions.UnroutableError, pika.exceptions.NackError) as error:
        print(f"publish_pika: message not confirmed: {error!r}", file=sys.stderr)
        sys.exit(1)
    seconds = time.monotonic() - start

    channel.queue_delete(queue=args.queue)
    connection.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"rate={args.count / seconds:.1f} count={args.count} seconds={seconds:.4f} peak_rss_kb={peak}")


if __name__ == "__main__":
    try:
        main()
    except pika.exceptions.AMQPError as error:
        print(f"publish_pika: broker error: {error!r}", file=sys.stderr)
        sys.exit(1)
