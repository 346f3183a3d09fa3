"""Private networking: a VNet for Databricks (VNet injection) and private endpoints to the data."""

from __future__ import annotations

import ipaddress

from cdktn_provider_azurerm.nat_gateway import NatGateway
from cdktn_provider_azurerm.nat_gateway_public_ip_association import (
    NatGatewayPublicIpAssociation,
)
from cdktn_provider_azurerm.network_security_group import NetworkSecurityGroup
from cdktn_provider_azurerm.private_dns_zone import PrivateDnsZone
from cdktn_provider_azurerm.private_dns_zone_virtual_network_link import (
    PrivateDnsZoneVirtualNetworkLink,
)
from cdktn_provider_azurerm.private_endpoint import (
    PrivateEndpoint,
    PrivateEndpointPrivateDnsZoneGroup,
    PrivateEndpointPrivateServiceConnection,
)
from cdktn_provider_azurerm.public_ip import PublicIp
from cdktn_provider_azurerm.subnet import (
    Subnet,
    SubnetDelegation,
    SubnetDelegationServiceDelegation,
)
from cdktn_provider_azurerm.subnet_nat_gateway_association import SubnetNatGatewayAssociation
from cdktn_provider_azurerm.subnet_network_security_group_association import (
    SubnetNetworkSecurityGroupAssociation,
)
from cdktn_provider_azurerm.virtual_network import VirtualNetwork
from constructs import Construct

from infra.components.base import Deployment

# Private endpoint sub-resource -> its private DNS zone.
DNS_ZONES = {
    "dfs": "privatelink.dfs.core.windows.net",
    "blob": "privatelink.blob.core.windows.net",
    "vault": "privatelink.vaultcore.azure.net",
    "namespace": "privatelink.servicebus.windows.net",
}
DATABRICKS_ACTIONS = [
    "Microsoft.Network/virtualNetworks/subnets/join/action",
    "Microsoft.Network/virtualNetworks/subnets/prepareNetworkPolicies/action",
    "Microsoft.Network/virtualNetworks/subnets/unprepareNetworkPolicies/action",
]


def subnet_prefixes(address_space: str) -> tuple[str, str, str]:
    """Databricks host, Databricks container, private endpoints: the first three /24s."""
    network = ipaddress.ip_network(address_space)
    host, container, endpoints = list(network.subnets(new_prefix=24))[:3]
    return str(host), str(container), str(endpoints)


class PrivateNetwork(Construct):
    def __init__(self, scope: Construct, id_: str, d: Deployment) -> None:
        super().__init__(scope, id_)
        self._d = d
        space = d.azure.network.address_space
        host, container, endpoints = subnet_prefixes(space)
        self.vnet = VirtualNetwork(
            self,
            "vnet",
            name=d.names.virtual_network,
            **d.placement,
            address_space=[space],
        )
        self.host, self.host_nsg = self._subnet("databricks-host", host, delegated=True)
        self.container, self.container_nsg = self._subnet(
            "databricks-container", container, delegated=True
        )
        self.endpoints, _ = self._subnet("private-endpoints", endpoints, delegated=False)
        self._egress(self.host, self.container)
        self.zones = {}
        self.links = {}
        for subresource, zone in DNS_ZONES.items():
            self.zones[subresource] = PrivateDnsZone(
                self,
                f"zone-{subresource}",
                name=zone,
                resource_group_name=d.resource_group,
                tags=d.tags,
            )
            self.links[subresource] = PrivateDnsZoneVirtualNetworkLink(
                self,
                f"link-{subresource}",
                name=f"{d.names.stem}-{subresource}",
                private_dns_zone_id=self.zones[subresource].id,
                virtual_network_id=self.vnet.id,
                tags=d.tags,
            )

    def _egress(self, *subnets: Subnet) -> None:
        """The clusters' one way out (control plane relay, PyPI): a NAT gateway.

        The subnets have no default outbound access and the nodes no public IP (secure cluster
        connectivity), so without an explicit egress a cluster cannot start.
        """
        d = self._d
        address = PublicIp(
            self,
            "egress-ip",
            name=f"pip-{d.names.stem}-egress",
            **d.placement,
            allocation_method="Static",
            sku="Standard",
        )
        self.nat = NatGateway(
            self,
            "egress",
            name=f"ng-{d.names.stem}",
            **d.placement,
            sku_name="Standard",
        )
        NatGatewayPublicIpAssociation(
            self, "egress-address", nat_gateway_id=self.nat.id, public_ip_address_id=address.id
        )
        self.egress = [
            SubnetNatGatewayAssociation(
                self, f"{subnet.node.id}-egress", subnet_id=subnet.id, nat_gateway_id=self.nat.id
            )
            for subnet in subnets
        ]

    def _subnet(self, name: str, prefix: str, *, delegated: bool):
        d = self._d
        subnet = Subnet(
            self,
            name,
            name=name,
            resource_group_name=d.resource_group,
            virtual_network_name=self.vnet.name,
            address_prefixes=[prefix],
            default_outbound_access_enabled=False,
            delegation=[
                SubnetDelegation(
                    name="databricks",
                    service_delegation=SubnetDelegationServiceDelegation(
                        name="Microsoft.Databricks/workspaces", actions=DATABRICKS_ACTIONS
                    ),
                )
            ]
            if delegated
            else None,
        )
        # Databricks adds its own rules to the NSGs of its subnets; the rest deny by default.
        nsg = NetworkSecurityGroup(
            self,
            f"{name}-nsg",
            name=f"nsg-{d.names.stem}-{name}",
            **d.placement,
        )
        association = SubnetNetworkSecurityGroupAssociation(
            self, f"{name}-nsg-association", subnet_id=subnet.id, network_security_group_id=nsg.id
        )
        return subnet, association

    def endpoint(self, id_: str, resource_id: str, subresource: str) -> PrivateEndpoint:
        d = self._d
        name = f"pe-{d.names.stem}-{id_}"
        return PrivateEndpoint(
            self,
            f"endpoint-{id_}",
            name=name,
            **d.placement,
            subnet_id=self.endpoints.id,
            private_service_connection=PrivateEndpointPrivateServiceConnection(
                name=name,
                private_connection_resource_id=resource_id,
                subresource_names=[subresource],
                is_manual_connection=False,
            ),
            private_dns_zone_group=PrivateEndpointPrivateDnsZoneGroup(
                name="default", private_dns_zone_ids=[self.zones[subresource].id]
            ),
        )
