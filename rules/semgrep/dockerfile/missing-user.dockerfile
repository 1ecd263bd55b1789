FROM python:3.12-slim
COPY . /app
# ruleid: dockerfile-missing-user
CMD ["python", "/app/main.py"]

FROM python:3.12-slim AS runtime
RUN useradd --system app
USER app
# ok: dockerfile-missing-user
CMD ["python", "/app/main.py"]
