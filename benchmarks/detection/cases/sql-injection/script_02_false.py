import sqlite3
import sys


def main() -> None:
    conn = sqlite3.connect("inventory.db")
    for row in conn.execute("SELECT * FROM parts WHERE sku = ?", (sys.argv[1],)):
        print(row)


if __name__ == "__main__":
    main()
