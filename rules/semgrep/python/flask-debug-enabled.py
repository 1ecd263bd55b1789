import os

from flask import Flask

app = Flask(__name__)
# ruleid: python-flask-debug-enabled
app.config["DEBUG"] = True
# ruleid: python-flask-debug-enabled
app.debug = True

if __name__ == "__main__":
    # ruleid: python-flask-debug-enabled
    app.run(host="127.0.0.1", debug=True)
    # ok: python-flask-debug-enabled
    app.run(debug=os.environ.get("FLASK_DEBUG") == "1")
    # ok: python-flask-debug-enabled
    app.run(debug=False)
