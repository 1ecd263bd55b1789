import json
import sys


def main() -> None:
    config = json.loads(sys.argv[1])
    print(sorted(config))


if __name__ == "__main__":
    main()
