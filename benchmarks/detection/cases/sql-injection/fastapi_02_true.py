import sqlite3

from fastapi import FastAPI

app = FastAPI()


@app.delete("/items/{item_id}")
def delete_item(item_id: str):
    conn = sqlite3.connect("items.db")
    conn.cursor().execute("DELETE FROM items WHERE id = " + item_id)
    conn.commit()
    return {"deleted": True}
