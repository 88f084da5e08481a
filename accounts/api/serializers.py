from rest_framework import serializers

from ..models import Team, User


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]


class UserSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_full_name", read_only=True)
    roles = serializers.SlugRelatedField(source="groups", slug_field="name", many=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "name",
            "first_name",
            "last_name",
            "email",
            "team",
            "roles",
            "time_zone",
            "is_service_account",
            "is_active",
        ]
        read_only_fields = fields
