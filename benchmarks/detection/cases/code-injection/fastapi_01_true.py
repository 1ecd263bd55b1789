from fastapi import FastAPI

app = FastAPI()


@app.get("/filter")
def apply_filter(condition: str):
    rows = [{"age": 30}, {"age": 17}]
    kept = [row for row in rows if eval(condition, {}, row)]
    return {"rows": kept}
