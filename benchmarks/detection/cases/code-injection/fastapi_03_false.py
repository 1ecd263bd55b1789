from fastapi import FastAPI

app = FastAPI()


@app.get("/calc")
def calc(expr: str):
    formulas = {"user": expr, "default": "3 * 7"}
    return {"value": eval(formulas["default"])}
