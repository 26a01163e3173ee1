"""`python -m hiring.api [--host H] [--port P]`: the same as `hiring api`."""

import argparse

from hiring.api.serve import serve
from hiring.bootstrap import bootstrap

parser = argparse.ArgumentParser(prog="python -m hiring.api", description="Serve the hiring HTTP API.")
parser.add_argument("--host")
parser.add_argument("--port", type=int)
parser.add_argument("--log-level", default="info")
args = parser.parse_args()
serve(bootstrap(), args.host, args.port, args.log_level)
