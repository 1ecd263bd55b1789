FROM debian:12-slim
# ruleid: dockerfile-secret-in-env-arg
ARG NPM_TOKEN
# ruleid: dockerfile-secret-in-env-arg
ENV DB_PASSWORD=changeme
# ruleid: dockerfile-secret-in-env-arg
ENV API_KEY placeholder
# ok: dockerfile-secret-in-env-arg
ARG APP_VERSION=1.0
# ok: dockerfile-secret-in-env-arg
ENV PYTHONUNBUFFERED=1
RUN --mount=type=secret,id=npm_token cat /run/secrets/npm_token > /dev/null
USER app
