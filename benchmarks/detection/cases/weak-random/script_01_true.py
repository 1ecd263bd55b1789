import random
import string


def main() -> None:
    alphabet = string.ascii_letters + string.digits + string.punctuation
    for _ in range(5):
        print("".join(random.choice(alphabet) for _ in range(16)))


if __name__ == "__main__":
    main()
