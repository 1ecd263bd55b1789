from flask import Flask, render_template, render_template_string, request

app = Flask(__name__)


@app.route("/hello")
def hello():
    name = request.args.get("name", "world")
    # ruleid: python-flask-render-template-string
    return render_template_string("<h1>Hello " + name + "</h1>")


@app.route("/hi")
def hi():
    name = request.args.get("name", "world")
    # ok: python-flask-render-template-string
    return render_template_string("<h1>Hello {{ name }}</h1>", name=name)


@app.route("/page")
def page():
    # ok: python-flask-render-template-string
    return render_template("page.html", name=request.args.get("name"))
