from flask import Flask

app = Flask(__name__)


@app.route("/tenant/<tenant>")
def tenant(tenant):
    tenant = "default"
    return {"ok": True}, 200, {"X-Tenant": tenant}
