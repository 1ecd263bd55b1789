from flask import Flask, redirect, request, url_for

app = Flask(__name__)


@app.route("/profile/<int:user_id>")
def profile(user_id):
    return {"id": user_id}


@app.route("/go-profile")
def go_profile():
    return redirect(url_for("profile", user_id=int(request.args.get("id", "0"))))
