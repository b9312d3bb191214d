# The Workflows server. Build: docker build -t workflows .  (needs access to mcr.microsoft.com and NuGet)
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Workflows.Server -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
COPY workflows /app/workflows
# ASPNETCORE_URLS decides where the server listens: the loopback default of `dotnet run` applies only when no
# address is configured (tests/Workflows.Server.Tests/Hosting/ProductionStartTests runs the published server so).
ENV ASPNETCORE_URLS=http://0.0.0.0:8080 \
    Workflows__DataDirectory=/var/lib/workflows \
    Workflows__WorkflowsDirectory=/app/workflows
VOLUME /var/lib/workflows
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["dotnet", "Workflows.Server.dll"]
