"""`python -m bench NAME`: run one benchmark; its last line of output is one JSON object.

Each benchmark is a module `bench/NAME.py` with a `main(argv) -> dict` function.
"""

import importlib
import json
import os
import sys


def main() -> int:
    if len(sys.argv) < 2:
        names = sorted(
            f[:-3]
            for f in os.listdir(os.path.dirname(__file__))
            if f.endswith(".py") and not f.startswith("_")
        )
        print(f"usage: python -m bench NAME [options]; NAME is one of: {', '.join(names)}")
        return 2
    name = sys.argv[1]
    module = importlib.import_module(f"bench.{name}")
    result = module.main(sys.argv[2:])
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
