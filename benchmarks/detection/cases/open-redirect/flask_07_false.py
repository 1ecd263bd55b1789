from flask import Flask, redirect, request

app = Flask(__name__)

DESTINATIONS = {"home": "/", "account": "/account", "help": "/help"}


@app.route("/nav")
def nav():
    return redirect(DESTINATIONS.get(request.args.get("to", ""), "/"))
