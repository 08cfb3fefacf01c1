# The project package: the gateway (bot/) and the action server (actions/). One image, two commands.
FROM python:3.10-slim
WORKDIR /app
COPY requirements/app.lock requirements/app.lock
RUN pip install --no-cache-dir -r requirements/app.lock
COPY . .
RUN pip install --no-cache-dir --no-deps -e .
ENV PYTHONUNBUFFERED=1 ANKOMMEN_ENV=production
EXPOSE 8080 5055
CMD ["python", "-m", "bot"]
