import sqlite3

from fastapi import FastAPI

app = FastAPI()


@app.get("/tables")
def row_count(table: str):
    candidates = ["events"]
    candidates.append(table)
    chosen = candidates[0]
    conn = sqlite3.connect("metrics.db")
    (count,) = conn.execute(f"SELECT COUNT(*) FROM {chosen}").fetchone()
    return {"count": count}
