import random
import string

from flask import Flask

app = Flask(__name__)


@app.route("/reset", methods=["POST"])
def reset():
    token = "".join(random.choice(string.ascii_letters + string.digits) for _ in range(32))
    return {"sent": len(token) == 32}
