using System.Net;
using System.Net.Sockets;

namespace JobPlatform.AppHost.Hosting;

/// <summary>Finds free ports and checks that fixed ones are free before anything starts.</summary>
internal static class Ports
{
    public static int FindFree()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>True when nothing listens on the port on either loopback address (or every interface).</summary>
    public static bool IsFree(int port)
    {
        foreach (var address in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback, IPAddress.Any })
        {
            try
            {
                using var listener = new TcpListener(address, port);
                listener.Server.ExclusiveAddressUse = true;
                listener.Start();
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                return false;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported)
            {
                // No IPv6 on this machine: nothing can hold the port there either.
            }
        }
        return true;
    }
}

/// <summary>A fixed port is taken: the AppHost stops before starting anything.</summary>
public sealed class PortInUseException(string resource, int port, string option)
    : Exception($"Port {port} for '{resource}' is already in use. Stop what holds it, or pick another port with {option}.");
