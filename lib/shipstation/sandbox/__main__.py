"""Run a standalone ShipStation sandbox.

``python -m shipstation.sandbox --port 8765 --seed path.json --key key --secret secret
--key-v2 v2-key --rate-limit 40`` (from ``lib/`` or with ``PYTHONPATH=lib``). Without
``--seed`` the packaged demo seed is loaded; ``--no-seed`` starts empty; ``--port 0`` picks
a free port. Serves until Ctrl-C or SIGTERM. ``--key-v2`` is the ``API-Key`` of the API v2
dialect under ``/v2/``.

Webhooks: subscribe with ``POST /webhooks/subscribe`` (v1) or ``POST /v2/environment/webhooks``
(v2); the sandbox then posts to the subscribed URLs when labels are created or orders marked as
shipped, v2 deliveries signed with the key published at ``GET /jwks`` (no auth).
``POST /_sandbox/webhooks/fire`` sends some at will, ``GET /_sandbox/webhooks`` lists them.
"""

import argparse
import signal
import sys
import threading

from . import DEMO_SEED_PATH, SandboxServer


def build_parser():
    """Command-line options of the sandbox."""
    parser = argparse.ArgumentParser(prog="python -m shipstation.sandbox", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port (default 8765)")
    parser.add_argument("--seed", help="seed JSON file (default: the packaged demo seed)")
    parser.add_argument("--no-seed", action="store_true", help="start with no data")
    parser.add_argument("--key", default="key", help="API key expected in Basic auth")
    parser.add_argument("--secret", default="secret", help="API secret expected in Basic auth")
    parser.add_argument("--key-v2", default="v2-key", help="API-Key header expected under /v2/")
    parser.add_argument("--rate-limit", type=int, default=None, help="requests per window (default unlimited)")
    parser.add_argument("--rate-window", type=float, default=60, help="window length in seconds (default 60)")
    parser.add_argument(
        "--webhook-timeout", type=float, default=5.0, help="seconds one webhook delivery may take (default 5)"
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser


def main(argv=None):
    """Start the sandbox, print where it listens, serve until interrupted.

    :return: process exit status
    """
    args = build_parser().parse_args(argv)
    seed = None if args.no_seed else (args.seed or DEMO_SEED_PATH)
    server = SandboxServer(
        seed=seed,
        api_key=args.key,
        api_secret=args.secret,
        host=args.host,
        port=args.port,
        rate_limit=args.rate_limit,
        rate_window=args.rate_window,
        verbose=args.verbose,
        api_key_v2=args.key_v2,
        webhook_timeout=args.webhook_timeout,
    )
    stopping = threading.Event()
    # SIGTERM (docker stop, subprocess.terminate) ends the loop like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    server.start()
    print(
        "ShipStation sandbox listening on %s (key=%s, %d orders; webhook keys at %s)"
        % (server.url, args.key, server.store.counts()["orders"], server.jwks_url),
        flush=True,
    )
    try:
        while not stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
