import getpass
import hashlib


def main() -> None:
    password = getpass.getpass("New password: ")
    with open("passwd.db", "a", encoding="utf-8") as handle:
        handle.write(hashlib.sha1(password.encode()).hexdigest() + "\n")


if __name__ == "__main__":
    main()
