FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY bin ./bin
USER node
EXPOSE 4000
# `serve`, `work`, `all`, `migrate` or `mock-llm`; signals reach node directly (no npm wrapper).
ENTRYPOINT ["node", "--import", "tsx", "src/cli.ts"]
CMD ["all"]
