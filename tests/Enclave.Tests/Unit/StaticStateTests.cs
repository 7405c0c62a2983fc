using System.Reflection;
using System.Runtime.CompilerServices;

namespace Enclave.Tests.Unit;

/// <summary>
/// SPEC §5.1: no static mutable state in src/. Every static field of every type in the shipped
/// assemblies must be a constant, or readonly and of a type on the immutable allow-list below.
/// </summary>
public sealed class StaticStateTests
{
    // Types whose instances cannot change after construction, so a static readonly one is safe to share.
    private static readonly HashSet<Type> Immutable =
    [
        typeof(string), typeof(bool), typeof(byte), typeof(char), typeof(short), typeof(int), typeof(long), typeof(float), typeof(double),
        typeof(decimal), typeof(TimeSpan), typeof(DateTimeOffset), typeof(Guid), typeof(Type),
        typeof(System.Text.RegularExpressions.Regex), // compiled pattern, thread-safe, no mutable state
        typeof(System.Text.Json.JsonEncodedText),
    ];

    private static readonly string[] ShippedAssemblies = ["Enclave.Core", "Enclave.Functions", "Enclave.AuditCli"];

    [Fact]
    public void Shipped_assemblies_have_no_static_mutable_fields()
    {
        var offenders = new List<string>();
        foreach (var assembly in ShippedAssemblies.Select(Assembly.Load))
        {
            foreach (var type in assembly.GetTypes())
            {
                foreach (var field in type.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (!IsAllowed(type, field))
                    {
                        offenders.Add($"{type.FullName}.{field.Name} ({field.FieldType.Name})");
                    }
                }
            }
        }

        Assert.True(offenders.Count == 0, "Static mutable state:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void Shipped_assemblies_use_no_thread_static_or_async_local()
    {
        foreach (var assembly in ShippedAssemblies.Select(Assembly.Load))
        {
            foreach (var type in assembly.GetTypes())
            {
                foreach (var field in type.GetFields(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    Assert.Null(field.GetCustomAttribute<ThreadStaticAttribute>());
                    Assert.False(field.FieldType.IsGenericType && field.FieldType.GetGenericTypeDefinition() == typeof(AsyncLocal<>),
                        $"{type.FullName}.{field.Name} is an AsyncLocal");
                    Assert.False(field.FieldType.IsGenericType && field.FieldType.GetGenericTypeDefinition() == typeof(ThreadLocal<>),
                        $"{type.FullName}.{field.Name} is a ThreadLocal");
                }
            }
        }
    }

    [Fact]
    public void The_guard_catches_a_mutable_static()
    {
        var field = typeof(Offender).GetField(nameof(Offender.Counter))!;
        Assert.False(IsAllowed(typeof(Offender), field));
        Assert.False(IsAllowed(typeof(Offender), typeof(Offender).GetField(nameof(Offender.Names))!));
        Assert.True(IsAllowed(typeof(Offender), typeof(Offender).GetField(nameof(Offender.Limit))!));
    }

    private static bool IsAllowed(Type owner, FieldInfo field)
    {
        if (field.IsLiteral)
        {
            return true;
        }

        // Compiler-generated lambda caches and fixed-size data blocks hold no program state.
        if (IsCompilerGenerated(owner) || field.IsDefined(typeof(CompilerGeneratedAttribute)) && IsGeneratedCache(field))
        {
            return true;
        }

        if (!field.IsInitOnly)
        {
            return false;
        }

        var type = field.FieldType;

        // Source-generated JSON metadata and options: built once, read-only after first use.
        return Immutable.Contains(type) || type.IsEnum ||
               typeof(System.Text.Json.Serialization.JsonSerializerContext).IsAssignableFrom(type) ||
               type == typeof(System.Text.Json.JsonSerializerOptions) ||
               type.Namespace == "System.Collections.Frozen" || type.Namespace == "System.Collections.Immutable" ||
               IsLoggerMessageCallback(field);
    }

    private static bool IsCompilerGenerated(Type type) =>
        type.IsDefined(typeof(CompilerGeneratedAttribute)) || type.Name.StartsWith('<') ||
        type.DeclaringType is { } outer && IsCompilerGenerated(outer);

    // [LoggerMessage] generates static readonly delegates over LoggerMessage.Define: they capture only the template.
    private static bool IsLoggerMessageCallback(FieldInfo field) =>
        typeof(Delegate).IsAssignableFrom(field.FieldType) && field.Name.StartsWith("__", StringComparison.Ordinal) &&
        field.Name.EndsWith("Callback", StringComparison.Ordinal);

    private static bool IsGeneratedCache(FieldInfo field) => field.Name.StartsWith('<');

    private static class Offender
    {
        public const int Limit = 3;

#pragma warning disable CA2211, CS0649 // deliberately mutable: the guard must catch it
        public static int Counter;
        public static readonly List<string> Names = [];
#pragma warning restore CA2211, CS0649
    }
}
