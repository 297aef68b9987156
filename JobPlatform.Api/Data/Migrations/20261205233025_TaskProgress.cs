using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JobPlatform.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class TaskProgress : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "progress_fraction",
                table: "tasks",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "progress_message",
                table: "tasks",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "progress_fraction",
                table: "tasks");

            migrationBuilder.DropColumn(
                name: "progress_message",
                table: "tasks");
        }
    }
}
