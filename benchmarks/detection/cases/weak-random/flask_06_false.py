import random

from flask import Flask

app = Flask(__name__)
QUESTIONS = ["q1", "q2", "q3", "q4"]


@app.route("/quiz")
def quiz():
    order = list(QUESTIONS)
    random.shuffle(order)
    return {"questions": order}
