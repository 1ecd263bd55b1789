from fastapi import FastAPI

app = FastAPI()


@app.get("/sum")
def total(values: str):
    numbers = [float(part) for part in values.split(",") if part]
    return {"sum": sum(numbers)}
