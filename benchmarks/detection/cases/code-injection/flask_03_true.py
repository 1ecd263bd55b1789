from flask import Flask, render_template_string, request

app = Flask(__name__)


@app.route("/preview", methods=["POST"])
def preview():
    template = request.form.get("template", "")
    return render_template_string(template)
