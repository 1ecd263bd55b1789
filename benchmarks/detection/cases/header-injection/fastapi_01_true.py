from fastapi import FastAPI, Response

app = FastAPI()


@app.get("/trace")
def trace(trace_id: str, response: Response):
    response.headers["X-Trace-Id"] = trace_id
    return {"status": "ok"}
