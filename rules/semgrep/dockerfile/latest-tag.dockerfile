# ruleid: dockerfile-latest-tag
FROM python:latest AS build
RUN pip wheel -w /wheels .

# ruleid: dockerfile-latest-tag
FROM alpine:latest

# ok: dockerfile-latest-tag
FROM python:3.12-slim
USER app
