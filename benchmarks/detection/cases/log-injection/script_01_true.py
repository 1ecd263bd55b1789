import logging

logging.basicConfig(level=logging.INFO)


def main() -> None:
    reason = input("Reason for maintenance: ")
    logging.info("maintenance started: " + reason)


if __name__ == "__main__":
    main()
