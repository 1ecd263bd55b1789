from fastapi import FastAPI, Response

app = FastAPI()


@app.get("/trace")
def trace(trace_id: str, response: Response):
    ids = {"client": trace_id, "server": "srv-1"}
    response.headers["X-Trace-Id"] = ids["server"]
    return {"status": "ok"}
