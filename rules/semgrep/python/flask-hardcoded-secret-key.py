import os

from flask import Flask

app = Flask(__name__)
# ruleid: python-flask-hardcoded-secret-key
app.secret_key = "dev"
# ruleid: python-flask-hardcoded-secret-key
app.config["SECRET_KEY"] = "change-me"
# ruleid: python-flask-hardcoded-secret-key
app.config.update(SECRET_KEY="not-so-secret", DEBUG=False)
# ok: python-flask-hardcoded-secret-key
app.config["SECRET_KEY"] = os.environ["FLASK_SECRET_KEY"]
# ok: python-flask-hardcoded-secret-key
app.secret_key = os.urandom(32)
