def main() -> None:
    formula = input("Formula: ")
    print(eval(formula))


if __name__ == "__main__":
    main()
