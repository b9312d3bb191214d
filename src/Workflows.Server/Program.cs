var app = WebApplication.CreateBuilder(args).Build();
app.MapGet("/healthz", () => "ok");
app.Run();

/// <summary>The server's entry point; public so tests can host it.</summary>
public partial class Program;
