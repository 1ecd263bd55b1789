import sqlite3

from fastapi import FastAPI

app = FastAPI()


@app.post("/tags")
def add_tag(tag: str):
    conn = sqlite3.connect("tags.db")
    conn.executescript(f"INSERT INTO tags (name) VALUES ('{tag}');")
    return {"status": "added"}
