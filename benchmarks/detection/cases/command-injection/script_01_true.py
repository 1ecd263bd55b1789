import os


def main() -> None:
    host = input("Host to check: ")
    os.system("ping -c 3 " + host)


if __name__ == "__main__":
    main()
