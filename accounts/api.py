"""Sign-in API: obtain a token (password, and a code for staff), list and revoke tokens.

Thin: services write, selectors read.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.models import ApiToken
from backend.audit import audit_bind_actor


class TokenObtainSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False, write_only=True)
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="A code from the authenticator app, or a recovery code (staff, and anyone "
        "who set up two-factor authentication).",
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)


class TokenIssuedSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Shown this once; only its hash is kept.")
    uid = serializers.UUIDField()
    name = serializers.CharField()
    expiry = serializers.DateTimeField()


class ApiTokenSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["uid", "name", "username", "created", "expiry", "last_used_at"]
        read_only_fields = fields


class TokenObtainView(APIView):
    """Exchange a username, password and (for staff) a code for an API token, shown once."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    serializer_class = TokenObtainSerializer

    @extend_schema(request=TokenObtainSerializer, responses={200: TokenIssuedSerializer})
    def post(self, request):
        serializer = TokenObtainSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        token, raw = services.api_token_obtain(
            request=request,
            username=data["username"],
            password=data["password"],
            otp=data.get("otp", ""),
            name=data.get("name", ""),
        )
        return Response(
            {"token": raw, "uid": token.uid, "name": token.name, "expiry": token.expiry},
            status=status.HTTP_200_OK,
        )


class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Your live API tokens (a clinic admin also sees those of the clinic's staff and
    patients); never the token itself. DELETE revokes one; another clinic's token is 404."""

    serializer_class = ApiTokenSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "uid"
    filterset_fields = ["user"]
    search_fields: list = []
    ordering_fields = ["created", "expiry"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        audit_bind_actor(request.user)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return ApiToken.objects.none()
        return selectors.api_token_list(user=self.request.user)

    def perform_destroy(self, instance):
        services.api_token_revoke(token=instance, by=self.request.user, request=self.request)


def register_routes(router) -> None:
    router.register("auth/tokens", ApiTokenViewSet, basename="api-token-record")
