from flask import Flask, redirect, request

app = Flask(__name__)


@app.route("/logout", methods=["POST"])
def logout():
    target = request.form.get("return_to", "/")
    return redirect(target, code=302)
