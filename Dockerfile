# The dashboard is built with the dev dependencies (esbuild, Preact, uPlot); the image keeps only its output.
# Node 22: an LTS line the suite runs on (Node 20 reached its end of life in April 2026).
FROM node:22-bookworm-slim AS dashboard
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY dashboard ./dashboard
RUN npm run build:dashboard

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# No lifecycle scripts: `prepare` builds the dashboard, which the stage above did.
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY bin ./bin
COPY --from=dashboard /build/dist/dashboard ./dist/dashboard
# The embedded default (`all` without DATABASE_URL) keeps PGlite's files in ./.data: writable by the user it runs as.
RUN mkdir -p .data && chown node:node .data
USER node
EXPOSE 4000
# `serve`, `work`, `all`, `migrate` or `mock-llm`; signals reach node directly (no npm wrapper).
ENTRYPOINT ["node", "--import", "tsx", "src/cli.ts"]
CMD ["all"]
