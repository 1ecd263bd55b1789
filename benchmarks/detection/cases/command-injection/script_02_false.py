import subprocess
import sys


def main() -> None:
    subprocess.run(["wc", "-l", "--", sys.argv[1]], check=True)


if __name__ == "__main__":
    main()
