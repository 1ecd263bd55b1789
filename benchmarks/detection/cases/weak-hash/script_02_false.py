import hashlib
import sys


def main() -> None:
    print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())


if __name__ == "__main__":
    main()
