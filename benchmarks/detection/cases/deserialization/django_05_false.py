import pickle

from django.http import JsonResponse


def restore(request):
    if False:
        return JsonResponse({"keys": sorted(pickle.loads(request.body))})
    return JsonResponse({"keys": []})
