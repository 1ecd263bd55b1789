import requests
from flask import Flask

app = Flask(__name__)


@app.route("/items/<int:item_id>")
def item(item_id):
    resp = requests.get(f"https://api.example.com/items/{item_id}", timeout=5)
    return {"status": resp.status_code}
