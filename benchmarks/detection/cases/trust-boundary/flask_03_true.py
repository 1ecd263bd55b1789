from flask import Flask, g, request

app = Flask(__name__)


@app.before_request
def load_user():
    g.user_id = request.headers.get("X-User-Id")
