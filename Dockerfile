# newsbot in a container: content/ and data/ are volumes, configuration comes from the environment.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY storage ./storage
RUN python -m pip install --no-cache-dir . && useradd --create-home newsbot && mkdir -p content data \
    && chown newsbot content data
USER newsbot
VOLUME ["/app/content", "/app/data"]
EXPOSE 8080
CMD ["newsbot", "run"]
