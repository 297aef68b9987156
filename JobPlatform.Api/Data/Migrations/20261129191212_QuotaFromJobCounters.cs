using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JobPlatform.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class QuotaFromJobCounters : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_tasks_in_flight",
                table: "tasks");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_tasks_in_flight",
                table: "tasks",
                column: "tenant_id",
                filter: "status IN ('enqueued', 'running', 'retrying')");
        }
    }
}
